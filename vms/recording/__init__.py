"""Recording and playback: the recorder (a lossless frame-bus subscriber writing fragmented
MP4 segments), their index in the database, retention, and clips for playback and evidence."""
