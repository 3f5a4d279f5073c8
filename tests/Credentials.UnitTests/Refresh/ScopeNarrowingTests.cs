using Credentials.Functions.Providers;
using Credentials.Functions.Refresh;
using Microsoft.Extensions.Options;

namespace Credentials.Tests.Refresh;

/// <summary>Which narrower tokens may be asked for, per provider kind, and which answers may be handed out.</summary>
public sealed class ScopeNarrowingTests
{
    private static readonly string[] Granted = ["offline_access", "files.read", "files.write"];

    [Theory]
    [InlineData("files.write files.read files.read", "files.read files.write")]
    [InlineData("  b   a ", "a b")]
    public void A_scope_set_is_distinct_and_ordered(string raw, string key)
    {
        var scopes = ScopeSet.Parse(raw, out var error);

        Assert.Null(error);
        Assert.Equal(key, scopes!.Key);
        Assert.Equal(ScopeSet.Parse(key, out _), scopes);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("files\"read")]
    [InlineData("files\\read")]
    [InlineData("fíles")]
    [InlineData("a\tb")]
    public void A_malformed_scope_parameter_is_refused_with_a_reason(string raw)
    {
        Assert.Null(ScopeSet.Parse(raw, out var error));
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Fact]
    public void Too_many_scopes_are_refused()
    {
        Assert.Null(ScopeSet.Parse(string.Join(' ', Enumerable.Range(0, ScopeSet.MaxScopes + 1).Select(i => $"s{i}")), out _));
    }

    [Theory]
    [InlineData(ScopeNarrowing.Subset, "files.read", null)]
    [InlineData(ScopeNarrowing.Subset, "files.read mail.read", ScopeFailureCodes.NotGranted)]
    [InlineData(ScopeNarrowing.Unsupported, "files.read", ScopeFailureCodes.NarrowingUnsupported)]
    [InlineData(ScopeNarrowing.Unsupported, "mail.read", ScopeFailureCodes.NotGranted)]
    [InlineData(ScopeNarrowing.MultiResource, "files.read", null)]
    [InlineData(ScopeNarrowing.MultiResource, "https://vault.azure.net/user_impersonation", null)]
    [InlineData(ScopeNarrowing.MultiResource, "https://storage.azure.com/user_impersonation", ScopeFailureCodes.NotGranted)]
    public void Each_provider_kind_allows_its_own_narrower_tokens(ScopeNarrowing mode, string requested, string? refusal)
    {
        var provider = Provider(mode, allowed: ["https://vault.azure.net/user_impersonation"]);

        Assert.Equal(refusal, ScopeNarrowingPolicy.Refusal(provider, Granted, ScopeSet.Parse(requested, out _)!));
    }

    [Fact]
    public void An_unknown_provider_cannot_narrow()
    {
        Assert.Equal(ScopeFailureCodes.NarrowingUnsupported, ScopeNarrowingPolicy.Refusal(null, Granted, ScopeSet.Of("files.read")));
    }

    [Theory]
    [InlineData(ScopeNarrowing.Subset, "files.read", true)]
    [InlineData(ScopeNarrowing.Subset, null, true)]
    [InlineData(ScopeNarrowing.Subset, "files.read files.write", false)]
    [InlineData(ScopeNarrowing.MultiResource, "https://vault.azure.net/user_impersonation https://vault.azure.net/other", true)]
    public void A_subset_providers_answer_may_not_be_broader_than_asked(ScopeNarrowing mode, string? answered, bool fits)
    {
        var requested = ScopeSet.Of(mode == ScopeNarrowing.Subset ? "files.read" : "https://vault.azure.net/user_impersonation");

        Assert.Equal(fits, ScopeNarrowingPolicy.AnswerFits(Provider(mode), requested, answered?.Split(' ')));
    }

    [Fact]
    public void Microsoft_is_multi_resource_and_the_generic_presets_cannot_narrow_unless_configured()
    {
        Assert.Equal(ScopeNarrowing.MultiResource, Preset("microsoft").ScopeNarrowing);
        Assert.Equal(ScopeNarrowing.Unsupported, Preset("oidc").ScopeNarrowing);
        Assert.Equal(ScopeNarrowing.Subset, Preset("oidc", ScopeNarrowing.Subset).ScopeNarrowing);
    }

    private static ProviderDefinition Provider(ScopeNarrowing mode, string[]? allowed = null) =>
        Preset("oidc", mode, allowed);

    private static ProviderDefinition Preset(string preset, ScopeNarrowing? mode = null, string[]? allowed = null)
    {
        var options = new ProvidersOptions();
        options.Providers["p"] = new ProviderSettings
        {
            Preset = preset,
            ClientId = "c",
            ClientSecret = "s",
            Tenant = "common",
            Issuer = new Uri("https://issuer.example/"),
            ScopeNarrowing = mode,
            AllowedScopes = allowed,
        };
        return new ProviderCatalog(Options.Create(options)).Find("p")!;
    }
}
