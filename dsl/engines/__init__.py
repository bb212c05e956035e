"""Running a pack over many documents: in this process, on a process pool, or on a Dask cluster."""
