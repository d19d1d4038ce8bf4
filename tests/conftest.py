"""Shared fixtures: tiny synthetic datasets so that tests never need the real files."""

import pytest

from lithm.data import synthetic_dataset


@pytest.fixture(scope="session")
def tiny_mnist():
    return synthetic_dataset("mnist", 240, seed=0)


@pytest.fixture(scope="session")
def tiny_cifar():
    return synthetic_dataset("cifar10", 240, seed=0)
