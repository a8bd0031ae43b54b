//! Probity HTTP server.
