"""Map layers: one module each, query → GeoJSON plus its legend and style."""
