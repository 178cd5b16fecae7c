"""The `studio` web app: review, correct and approve the videos in the browser, locally."""
