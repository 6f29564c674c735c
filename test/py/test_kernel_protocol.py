"""jupyter_kernel_test's standard protocol tests against the real minitron kernel process."""
import unittest

import jupyter_kernel_test

import kutil


class MinitronKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = "minitron"
    language_name = "typescript"
    file_extension = ".ts"

    code_hello_world = 'console.log("hello, world")'
    code_stderr = 'console.error("this goes to stderr")'
    code_generate_error = 'throw new Error("boom")'

    completion_samples = [
        {"text": "const zebraLongName = 1;\nzebraLo", "matches": {"zebraLongName"}},
        {"text": "Math.hyp", "matches": {"hypot"}},
        {"text": "mt.liveLo", "matches": {"liveLoss"}},
    ]
    complete_code_samples = ["1", "const a = 1;", "function f(x: number) { return x; }", "for (let i = 0; i < 2; i++) {}"]
    incomplete_code_samples = ["function f() {", "const xs = [1,", "if (true) {"]

    code_execute_result = [
        {"code": "6*7", "result": "42"},
        {"code": "'a' + 'b'", "result": "'ab'"},
        {"code": "[1, 2, 3].length", "result": "3"},
        {"code": "mt.specParamCount", "mime": "text/plain"},
    ]
    code_history_pattern = "6*7"
    supported_history_operations = ("tail", "range", "search")

    code_display_data = [
        {"code": 'mt.display({ "text/html": "<b>hi</b>", "text/plain": "hi" })', "mime": "text/html"},
        {"code": "mt.display({ kind: 'train-history', rows: [{ step: 1, tokens: 8, loss: 2.5, lr: 0.001 }] })",
         "mime": "application/vnd.minitron.train-history+json"},
    ]
    code_inspect_sample = "Math.max"
    code_clear_output = "mt.clearOutput()"

    @classmethod
    def setUpClass(cls) -> None:
        cls.km, cls.kc = kutil.start()

    @classmethod
    def tearDownClass(cls) -> None:
        kutil.stop(cls.km, cls.kc)


if __name__ == "__main__":
    unittest.main()
