# A large run's reports: a JUnit file of 10,000 testcases (152 failing) and a Cobertura file of
# 1,000 files, written into the directory given. Used by bench/html-report and the test suite
# (tests/integration/html_report/runs.rs).
import os, sys
reports = sys.argv[1]
cases = []
for index in range(10000):
    failure = f'<failure message="boom {index}">tests/test_big.py:{index}: AssertionError</failure>' if index % 66 == 0 else ''
    cases.append(f'<testcase classname="tests.test_big" name="test_{index}" time="0.{index % 997:03d}">{failure}</testcase>')
with open(os.path.join(reports, 'big.xml'), 'w') as out:
    out.write('<testsuites><testsuite name="pytest">' + ''.join(cases) + '</testsuite></testsuites>')
files = []
for index in range(1000):
    lines = ''.join(f'<line number="{n}" hits="{int(n <= index % 50)}"/>' for n in range(1, 51))
    files.append(f'<class name="m{index}" filename="pkg/m{index}.py"><lines>{lines}</lines></class>')
with open(os.path.join(reports, 'big-cov.xml'), 'w') as out:
    out.write('<coverage><sources><source>.</source></sources><packages><package name="pkg"><classes>'
              + ''.join(files) + '</classes></package></packages></coverage>')
