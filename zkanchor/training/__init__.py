"""Verifiable training in a few calls: train exactly, prove the training statement, verify it.

See :mod:`zkanchor.training.api`; the model directory ``zkanchor train`` writes is
:mod:`zkanchor.training.modeldir`.
"""
