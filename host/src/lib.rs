//! # mosaic-host: host library behind the `mosaic` CLI
