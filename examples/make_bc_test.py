"""Write bc_test.csv: the 143 breast-cancer test rows of the README, in the data's own units.

They are the rows `zkanchor commit --sklearn breast_cancer --split test --test-rows 143` commits
(scikit-learn's bundled set, train_test_split stratified by the label, random_state 0, rows in
their original order), with scikit-learn's feature names and the label column `target`.
Run: python examples/make_bc_test.py > examples/bc_test.csv
"""

import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split

data = load_breast_cancer()
_, test = train_test_split(np.arange(len(data.target)), test_size=143, stratify=data.target, random_state=0)
print(",".join([*data.feature_names, "target"]))
for i in np.sort(test):
    print(",".join([*(repr(float(v)) for v in data.data[i]), str(int(data.target[i]))]))
