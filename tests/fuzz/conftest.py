"""The fuzz harnesses and the long-line benchmark are run by hand (see README.md here), never by pytest."""
collect_ignore_glob = ["fuzz_*.py", "bench_*.py"]
