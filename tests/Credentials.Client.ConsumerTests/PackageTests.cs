using System.IO.Compression;
using System.Xml.Linq;

namespace Credentials.Client.ConsumerTests;

/// <summary>What a team sees of the package before using it: metadata, a README, symbols, and docs for public members only.</summary>
public sealed class PackageTests
{
    private static readonly string Feed = LocalService.Metadata("CredentialsClientFeed");
    private static readonly string Version = LocalService.Metadata("CredentialsClientVersion");

    [Fact]
    public void The_package_has_a_licence_project_URL_authors_README_and_symbols_for_net8_and_net10()
    {
        using var package = ZipFile.OpenRead(Path.Combine(Feed, $"Credentials.Client.{Version}.nupkg"));
        var nuspec = XDocument.Load(package.Entries.Single(entry => entry.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open());
        string? Element(string name) => nuspec.Descendants().FirstOrDefault(element => element.Name.LocalName == name)?.Value;

        Assert.False(string.IsNullOrEmpty(Element("license")));
        Assert.StartsWith("https://", Element("projectUrl"), StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(Element("authors")));
        Assert.Equal("README.md", Element("readme"));
        Assert.Contains(package.Entries, entry => entry.FullName == "README.md");
        Assert.Contains(package.Entries, entry => entry.FullName == "lib/net8.0/Credentials.Client.dll");
        Assert.Contains(package.Entries, entry => entry.FullName == "lib/net10.0/Credentials.Client.dll");
        Assert.True(File.Exists(Path.Combine(Feed, $"Credentials.Client.{Version}.snupkg")));
    }

    [Fact]
    public void The_shipped_XML_docs_cover_public_members_only()
    {
        using var package = ZipFile.OpenRead(Path.Combine(Feed, $"Credentials.Client.{Version}.nupkg"));
        var docs = XDocument.Load(package.GetEntry("lib/net8.0/Credentials.Client.xml")!.Open());
        var members = docs.Descendants("member").Select(member => member.Attribute("name")!.Value).ToList();
        var publicTypes = typeof(ICredentialsClient).Assembly.GetExportedTypes().Select(type => type.FullName!).ToHashSet();

        Assert.Contains("M:Credentials.Client.ICredentialsClient.RenewAccessTokenAsync(System.String,System.String,System.Threading.CancellationToken)", members);
        Assert.All(members, member => Assert.Contains(publicTypes, type => member[2..].StartsWith(type, StringComparison.Ordinal)));
    }
}
