"""Stage 10, monitoring: is the loop working? Bad-case trends per night, scene and cluster."""
