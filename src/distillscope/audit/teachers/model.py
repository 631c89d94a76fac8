"""Which of several teachers wrote a text: one multinomial classifier of the teachers' own answers.

Attribution asks which candidate a target came towards, and the question is what sets the
candidates apart from each other, not from unrelated models: GPT-4 and gpt-3.5-turbo both stand
far from Llama-2-chat, and a classifier of each against the null panel would call a student of
either "OpenAI-like" twice. So one classifier learns the candidates from one another, on their own
answers to the audit's prompts (sentence embeddings, word and character n-grams, as the
idiosyncrasy classifier reads them), cross-fitted over prompts. Every subject's answer gets a
probability per teacher. The panel never enters the training, so a panel model and a target are
scored alike and the panel's probabilities are the null of each teacher's.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from distillscope.audit.classifier.features import FeatureSpace
from distillscope.audit.crossfit import folds_of
from distillscope.audit.texts import TextTable

Probabilities = dict[str, dict[str, dict[str, float]]]  # teacher → owner → item uid → P(teacher wrote it)


def teacher_probabilities(
    table: TextTable,
    teachers: Sequence[tuple[str, dict[str, str]]],
    subjects: Sequence[tuple[str, dict[str, str]]],
    embeddings: np.ndarray | None,
    folds: int,
    c: float,
    seed: int,
) -> Probabilities:
    """For each teacher (name, its answers by uid): every subject's and every teacher's own held-out
    answers' probability of that teacher, by a classifier trained on the teachers' other prompts."""
    from sklearn.linear_model import LogisticRegression

    uids = sorted(set.intersection(*(set(answers) for _, answers in teachers)))
    names = [name for name, _ in teachers]
    out: Probabilities = {name: {} for name in names}
    owners = [*subjects, *((f"teacher:{name}", answers) for name, answers in teachers)]
    for held in folds_of(uids, folds, seed):
        held_set = set(held)
        train = [u for u in uids if u not in held_set]
        rows = table.rows([answers[u] for _, answers in teachers for u in train])
        labels = np.repeat(np.arange(len(teachers)), len(train))
        features = FeatureSpace.fit(table, rows, embeddings, words=True, chars=True)
        model = LogisticRegression(C=c, max_iter=2000, random_state=seed).fit(features.transform(rows), labels)
        for owner, texts in owners:
            present = [u for u in held if u in texts]
            if not present:
                continue
            probabilities = model.predict_proba(features.transform(table.rows([texts[u] for u in present])))
            for column, name in enumerate(names):
                out[name].setdefault(owner, {}).update(zip(present, map(float, probabilities[:, column]), strict=True))
    return out
