#!/usr/bin/env python3
"""Prints the namespace graph of functions/: namespaces, edges, cycles (-v: every edge with its files).

An edge is a `using Credentials.Functions.X;` of another namespace, or a qualified name such as `Crypto.SomeType`,
as tests/Credentials.UnitTests/Hosting/NamespaceLayeringTests.cs counts them.
"""
import os, re, sys
from collections import defaultdict
root = sys.argv[1] if len(sys.argv) > 1 else "functions"
ns_re = re.compile(r'^namespace\s+(Credentials\.Functions(?:\.[\w.]+)?)\s*;', re.M)
use_re = re.compile(r'^using\s+(Credentials\.Functions(?:\.[\w.]+)?)\s*;', re.M)
texts = []; edges = defaultdict(set); files = defaultdict(lambda: defaultdict(list)); nodes = set()
for d, _, fs in os.walk(root):
    if '/bin' in d or '/obj' in d: continue
    for f in fs:
        if not f.endswith('.cs'): continue
        p = os.path.join(d, f); t = open(p).read()
        m = ns_re.search(t)
        if not m: continue
        ns = m.group(1)[len('Credentials.Functions'):].lstrip('.') or '(root)'
        nodes.add(ns)
        texts.append((p, ns, t))
known = sorted((n for n in nodes if n != '(root)'), key=len, reverse=True)
for p, ns, t in texts:
    code = re.sub(r'^(using|namespace)\s.*$', '', t, flags=re.M)
    found = [u[len('Credentials.Functions'):].lstrip('.') or '(root)' for u in use_re.findall(t)]
    found += re.findall(r'(?<![\w.])(?:Credentials\.Functions\.)?(' + '|'.join(map(re.escape, known)) + r')\.[A-Z]', code)
    for u in set(found):
        if u != ns and u != '(root)' and not ns.startswith(u + '.'):
            edges[ns].add(u); files[ns][u].append(p)
# Tarjan
index = {}; low = {}; st = []; on = set(); sccs = []; i = [0]
def sc(v):
    index[v] = low[v] = i[0]; i[0] += 1; st.append(v); on.add(v)
    for w in edges[v]:
        if w not in index: sc(w); low[v] = min(low[v], low[w])
        elif w in on: low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        c = []
        while True:
            w = st.pop(); on.discard(w); c.append(w)
            if w == v: break
        sccs.append(c)
sys.setrecursionlimit(10000)
for v in sorted(nodes | {u for s in edges.values() for u in s}):
    if v not in index: sc(v)
print("namespaces:", len(nodes)); print(" ", ", ".join(sorted(nodes)))
print("edges:", sum(len(s) for s in edges.values()))
if '-v' in sys.argv:
    for a in sorted(edges):
        for b in sorted(edges[a]): print(f"  {a} -> {b}   ({', '.join(os.path.relpath(x, root) for x in files[a][b])})")
cyc = [sorted(c) for c in sccs if len(c) > 1]
print("cycles (strongly connected components):", len(cyc))
for c in cyc:
    print("  {" + ", ".join(c) + "}")
    for a in c:
        for b in sorted(edges[a] & set(c)):
            print(f"    {a} -> {b}   ({', '.join(os.path.relpath(x, root) for x in files[a][b])})")
