"""hotlase: FDTD modelling of plasmonic perovskite nanolasers (see README and docs/api.md)."""
