"""After training: does a candidate model fix the mined failures?

``candidate`` replays the regression eval set to a candidate endpoint, judges the
answers and decides promote or reject; ``rlprompts`` builds difficulty-calibrated
RL prompt sets from the bad-case clusters.
"""
