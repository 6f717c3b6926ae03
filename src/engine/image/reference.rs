//! Docker-style image references: `busybox` -> `docker.io/library/busybox:latest`.
