using Microsoft.IdentityModel.Tokens;

namespace Credentials.Functions.AccessControl;

/// <summary>The keys that may have signed a token, or why there are none.</summary>
public readonly record struct SigningKeyLookup(IReadOnlyList<SecurityKey> Keys, bool Unavailable)
{
    public static SigningKeyLookup Found(IReadOnlyList<SecurityKey> keys) => new(keys, false);

    /// <summary>The issuer answered, but has no such key set (e.g. an unknown service client): the token is at fault.</summary>
    public static readonly SigningKeyLookup NotFound = new([], false);

    /// <summary>The keys could not be had (issuer unreachable, failing, or fetches throttled): the token is not at fault.</summary>
    public static readonly SigningKeyLookup KeysUnavailable = new([], true);
}
