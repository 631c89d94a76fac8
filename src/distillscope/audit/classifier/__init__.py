"""The idiosyncrasy classifier: does a target write like the reference, by a learned classifier?"""
