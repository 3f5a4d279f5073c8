using Credentials.Functions.Refresh;

namespace Credentials.Functions.Api;

/// <summary>What each narrower-token refusal tells the caller, the same on the REST route and the token exchange.</summary>
internal static class ScopeProblems
{
    public static string Describe(string? code) => code switch
    {
        ScopeFailureCodes.NarrowingUnsupported =>
            "This connection's provider cannot issue a token for fewer scopes than the grant; omit scope to get the connection's token.",
        ScopeFailureCodes.ProviderAnsweredBroader =>
            "The provider answered with a token broader than asked, which was not handed out; omit scope, or ask the operator to check the provider's ScopeNarrowing setting.",
        ScopeFailureCodes.ResourceNotNarrowable =>
            "A requested scope belongs to a resource that is neither in this connection's grant nor in its provider's NarrowableResources.",
        _ => "A requested scope is not granted on this connection.",
    };

    /// <summary>A caller that may read the connection asked for a resource beyond its grant without the permission for it.</summary>
    public static string DescribeForbidden(string? resourceName) =>
        $"Missing permission credentials:resource.read on the resource '{resourceName}' of this connection (…/connections/{{connectionId}}/resources/{resourceName}).";
}
