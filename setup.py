"""Setup for cfx; metadata comes from settings.ini (nbdev's single source), read with configparser."""
from configparser import ConfigParser
from setuptools import setup, find_packages

cfg = ConfigParser(delimiters=["="])
cfg.read("settings.ini", encoding="utf-8")
c = cfg["DEFAULT"]

requirements = c.get("requirements", "").split()
dev_requirements = c.get("dev_requirements", "").split()
# every `<name>_requirements` key of settings.ini is an extra: [dev] (the tools to develop and test cfx), [digits] (scikit-learn)
extras = {k[:-len("_requirements")]: c[k].split() for k in c if k.endswith("_requirements") and k != "requirements"}
scripts = [s.strip() for s in c.get("console_scripts", "").splitlines() if s.strip()]

setup(
    name=c["lib_name"],
    version=c["version"],
    description=c["description"],
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    author=c["author"],
    author_email=c["author_email"],
    license_expression="Apache-2.0",
    url=c["git_url"],
    keywords=c["keywords"].split(),
    python_requires=">=" + c["min_python"],
    packages=find_packages(include=["cfx", "cfx.*"]),
    include_package_data=True,
    package_data={"cfx": ["assets/*", "assets/**/*"]},
    install_requires=requirements,
    extras_require=extras,
    entry_points={"console_scripts": scripts, "nbdev": [f'{c["lib_name"]}={c["lib_name"]}._modidx:d']},
    zip_safe=False,
    classifiers=["Programming Language :: Python :: 3", "Topic :: Scientific/Engineering :: Artificial Intelligence"],
)
