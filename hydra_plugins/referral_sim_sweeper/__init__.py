"""referral-sim's Hydra sweeper: the basic one, showing its check (``hydra/sweeper=checked``)."""
