"""Geography: NYC reference areas now; geocoding through geopy builds on this."""
