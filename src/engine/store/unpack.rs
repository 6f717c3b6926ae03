//! Safe, streaming unpacking of layer tars into overlay-ready directories.
