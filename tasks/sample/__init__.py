"""Sample production logs for the demo, tests and benchmarks (never read by the loop).

``scenarios`` is the content (scenes, requests, answers, planted failures),
``generate`` writes a landing root exactly as DESIGN.md lays it out, ``quality``
measures mined bad cases against the generator's ground truth.
"""
