//! Static test data for the data API (filled in by the data API issue).
