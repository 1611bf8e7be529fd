"""Files: stored uploads and the signed links they are downloaded through."""
