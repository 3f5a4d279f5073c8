using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using Credentials.Tests.Support;

namespace Credentials.Tests.Deployment;

/// <summary>The Bicep CLI the test project restored from NuGet (its path is in the assembly's metadata).</summary>
internal static class BicepCli
{
    public static string Run(params string[] arguments) => Run(RepositoryPaths.Root, arguments);

    /// <summary>
    /// What a deployment of infra/main.bicep with these parameters would create, with conditions and loops evaluated
    /// (<c>bicep snapshot</c>): the predicted resources, by a fixed subscription, tenant and region.
    /// </summary>
    public static IReadOnlyList<JsonElement> Snapshot(IReadOnlyDictionary<string, string> parameters)
    {
        var directory = Directory.CreateTempSubdirectory("bicep-snapshot-").FullName;
        try
        {
            var main = Path.GetRelativePath(directory, Path.Combine(RepositoryPaths.Root, "infra", "main.bicep")).Replace('\\', '/');
            var lines = new List<string> { $"using '{main}'" };
            lines.AddRange(parameters.Select(p => $"param {p.Key} = {p.Value}"));
            File.WriteAllLines(Path.Combine(directory, "deployment.bicepparam"), lines);
            Run(directory, "snapshot", "deployment.bicepparam", "--subscription-id", "00000000-0000-0000-0000-000000000001",
                "--tenant-id", "00000000-0000-0000-0000-000000000002", "--location", "westeurope", "--deployment-name", "snapshot");
            using var snapshot = JsonDocument.Parse(File.ReadAllText(Path.Combine(directory, "deployment.snapshot.json")));
            return snapshot.RootElement.GetProperty("predictedResources").EnumerateArray().Select(r => r.Clone()).ToList();
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static string Run(string workingDirectory, params string[] arguments)
    {
        var cli = typeof(BicepCli).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "BicepCli").Value!;
        var start = new ProcessStartInfo(cli) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"bicep {string.Join(' ', arguments)} failed: {errors}");
        return output.Result + errors;
    }
}
