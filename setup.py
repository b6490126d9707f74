"""Build hook: compiles the native BN254 core through CFFI (API mode); metadata lives in pyproject.toml."""

from setuptools import setup

setup(cffi_modules=["native/build.py:ffibuilder"])
