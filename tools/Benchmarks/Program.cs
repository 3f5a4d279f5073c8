using BenchmarkDotNet.Running;
using Credentials.Benchmarks;

BenchmarkSwitcher.FromAssembly(typeof(EnvelopeBenchmarks).Assembly).Run(args);
