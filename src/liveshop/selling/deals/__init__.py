"""Flash deals: limited units at a deal price, the sold-out gate and edge, deal stock and buyer
limits."""
