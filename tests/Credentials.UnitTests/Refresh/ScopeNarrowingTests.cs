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
    [InlineData(ScopeNarrowing.MultiResource, "mail.read", null)]
    [InlineData(ScopeNarrowing.MultiResource, "https://vault.azure.net/user_impersonation", ScopeFailureCodes.ResourceNotNarrowable)]
    [InlineData(ScopeNarrowing.MultiResource, "profile", ScopeFailureCodes.NotGranted)]
    public void Each_provider_kind_allows_its_own_narrower_tokens(ScopeNarrowing mode, string requested, string? refusal)
    {
        // AllowedScopes lets a connection ask for a scope; it never lets a caller widen a token to it.
        var provider = Provider(mode, allowed: ["https://vault.azure.net/user_impersonation"]);

        Assert.Equal(refusal, ScopeNarrowingPolicy.Refusal(provider, Granted, ScopeSet.Parse(requested, out _)!));
    }

    [Theory]
    [InlineData("https://graph.microsoft.com/Mail.Read", null, "")]
    [InlineData("https://graph.microsoft.com/Calendars.Read", null, "")]
    [InlineData("Calendars.Read", null, "")]
    [InlineData("https://management.azure.com/user_impersonation", null, "arm")]
    [InlineData("https://MANAGEMENT.azure.com//.default", null, "arm")]
    [InlineData("https://management.azure.com/user_impersonation https://graph.microsoft.com/Mail.Read", null, "arm")]
    [InlineData("https://vault.azure.net/user_impersonation", ScopeFailureCodes.ResourceNotNarrowable, "")]
    [InlineData("https://management.azure.com.evil.example/user_impersonation", ScopeFailureCodes.ResourceNotNarrowable, "")]
    [InlineData("email", ScopeFailureCodes.NotGranted, "")]
    public void A_multi_resource_provider_reaches_the_grants_own_resources_and_the_listed_ones_by_name(string requested, string? refusal, string names)
    {
        // An Entra grant of Graph, named with short scopes; Graph is the preset's default resource.
        string[] granted = ["openid", "offline_access", "Mail.Read"];
        var provider = Preset("microsoft", narrowable: new() { ["arm"] = "https://management.azure.com/" });
        var scopes = ScopeSet.Parse(requested, out _)!;

        Assert.Equal(refusal, ScopeNarrowingPolicy.Refusal(provider, granted, scopes));
        Assert.Equal(names, string.Join(',', refusal is null ? ScopeNarrowingPolicy.ResourcesBeyondGrant(provider, granted, scopes) : []));
    }

    [Fact]
    public void Without_narrowable_resources_only_the_grants_own_resources_are_reached()
    {
        string[] granted = ["offline_access", "https://graph.microsoft.com/Mail.Read"];
        var provider = Preset("microsoft");

        Assert.Null(ScopeNarrowingPolicy.Refusal(provider, granted, ScopeSet.Of("User.Read")));
        Assert.Equal(ScopeFailureCodes.ResourceNotNarrowable, ScopeNarrowingPolicy.Refusal(provider, granted, ScopeSet.Of("https://management.azure.com/user_impersonation")));
        Assert.Empty(ScopeNarrowingPolicy.ResourcesBeyondGrant(provider, granted, ScopeSet.Of("User.Read")));
    }

    [Theory]
    [InlineData("oidc", null, "arm", "https://management.azure.com", "only for a provider whose ScopeNarrowing is MultiResource")]
    [InlineData("microsoft", null, "a/b", "https://management.azure.com", "Providers:p:NarrowableResources:a/b")]
    [InlineData("microsoft", null, "arm", "https://x.example/a b", "must be a resource identifier")]
    [InlineData("microsoft", "https://management.azure.com/", "arm2", "https://management.azure.com", "is listed under another name already")]
    public void Narrowable_resources_are_checked_at_start_up(string preset, string? other, string name, string resource, string failure)
    {
        var narrowable = new Dictionary<string, string> { [name] = resource };
        if (other is not null)
        {
            narrowable["arm1"] = other;
        }

        var thrown = Assert.Throws<OptionsValidationException>(() => Preset(preset, narrowable: narrowable));

        Assert.Contains(thrown.Failures, message => message.Contains(failure, StringComparison.Ordinal));
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
    [InlineData(ScopeNarrowing.MultiResource, "https://vault.azure.net/user_impersonation openid offline_access", true)]
    [InlineData(ScopeNarrowing.MultiResource, "https://vault.azure.net/user_impersonation https://management.azure.com/user_impersonation", false)]
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

    private static ProviderDefinition Preset(string preset, ScopeNarrowing? mode = null, string[]? allowed = null, Dictionary<string, string>? narrowable = null)
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
            NarrowableResources = narrowable,
        };
        return new ProviderCatalog(Options.Create(options)).Find("p")!;
    }
}
