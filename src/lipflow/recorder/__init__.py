"""``lipflow record``: a local web page that records takes straight into the dataset layout."""
