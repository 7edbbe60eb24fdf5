"""Auctions: opening, bidding (where a bid gets checked: service.check_bid), closing, the winner's
order."""
