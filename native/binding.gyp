{
  "targets": [
    {
      "target_name": "hopsock",
      "sources": ["hopsock.c"],
      "cflags": ["-Wall", "-O2"]
    }
  ]
}
