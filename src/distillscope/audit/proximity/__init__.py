"""Proximity: is a target's answer nearer the reference's than the unrelated models' answers are?"""
