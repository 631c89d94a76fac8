"""From evidence to an answer: "was X distilled from Y, and how much?", with calibrated statistics.

Pure statistics on the methods' evidence (never a live model): a null panel's distribution per
signal (`nulls`), p-values combined across dependent signals and corrected across targets
(`combine`), the share of reference-written data (`share`), attribution among candidate teachers
(`attribution`), sequential stopping (`sequential`), and the verdict that puts them together
(`verdicts`).
"""
