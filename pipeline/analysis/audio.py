"""A clip's sound as Whisper hears it: 16 kHz mono float32, only the trimmed part."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..model.errors import TranscribeError

SAMPLE_RATE = 16_000       # what Whisper's feature extractor expects


def decode_audio(media: Path, start: float = 0.0, end: float | None = None) -> np.ndarray:
    """[start, end) of the first audio track as 16 kHz mono float32. Seeks, where
    faster_whisper.decode_audio would decode (and hold) the whole clip."""
    import av
    # One growing buffer, not a list of chunks joined at the end: the join held the audio
    # twice (a 10-minute clip is 38 MB at 16 kHz), and a large bytearray grows in place.
    samples = bytearray()
    first: float | None = None
    try:
        with av.open(str(media), metadata_errors="ignore") as container:
            if not container.streams.audio:
                raise TranscribeError(media, "has no audio track")
            stream = container.streams.audio[0]
            if start > 0 and stream.time_base:
                container.seek(int(start / stream.time_base), stream=stream)  # at or before
            resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
            for frame in container.decode(stream):
                t = frame.time if frame.time is not None else (first or 0.0)
                first = t if first is None else first
                if end is not None and t >= end:
                    break
                frame.pts = None  # the resampler is to treat the kept frames as contiguous
                for f in resampler.resample(frame):
                    samples += f.to_ndarray()[0].tobytes()
            for f in resampler.resample(None):
                samples += f.to_ndarray()[0].tobytes()
    except av.error.FFmpegError as e:
        raise TranscribeError(media, f"cannot decode audio: {e}") from None
    audio = np.frombuffer(samples, np.float32)
    offset = round(((first or 0.0) - start) * SAMPLE_RATE)
    # Audio that starts after `start` (an MP4 edit list, say) is padded so that times align.
    audio = np.concatenate([np.zeros(offset, np.float32), audio]) if offset > 0 else audio[-offset:]
    if end is not None:
        audio = audio[: max(0, round((end - start) * SAMPLE_RATE))]
    return np.ascontiguousarray(audio, dtype=np.float32)
