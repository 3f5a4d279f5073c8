namespace Credentials.Functions.Refresh;

/// <summary>
/// The scopes a caller wants a narrower access token for: distinct, in ordinal order, so that "b a" and "a b" are one
/// set (one cache entry, one single flight). <see cref="Key"/> is the space-joined form.
/// </summary>
public sealed class ScopeSet : IEquatable<ScopeSet>
{
    public const int MaxScopes = 50;
    public const int MaxLength = 2048;

    private ScopeSet(string[] scopes)
    {
        Scopes = scopes;
        Key = string.Join(' ', scopes);
    }

    public IReadOnlyList<string> Scopes { get; }

    public string Key { get; }

    /// <summary>Reads a space-delimited RFC 6749 §3.3 scope parameter; null with a reason when it is empty or malformed.</summary>
    public static ScopeSet? Parse(string value, out string? error)
    {
        ArgumentNullException.ThrowIfNull(value);
        var scopes = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        error = value.Length > MaxLength || scopes.Length > MaxScopes ? $"At most {MaxScopes} scopes and {MaxLength} characters."
            : scopes.Length == 0 ? "Name at least one scope, separated by spaces."
            : !scopes.All(Providers.ProviderDefinitionBuilder.IsScopeToken) ? "A scope holds a character RFC 6749 §3.3 does not allow (quote, backslash, control or non-ASCII)."
            : null;
        return error is null ? new ScopeSet([.. scopes.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)]) : null;
    }

    public static ScopeSet Of(params string[] scopes) => Parse(string.Join(' ', scopes), out var error) ?? throw new ArgumentException(error, nameof(scopes));

    /// <summary>True when every one of these scopes is in <paramref name="granted"/>.</summary>
    public bool IsWithin(IReadOnlyCollection<string> granted) => Scopes.All(scope => granted.Contains(scope, StringComparer.Ordinal));

    /// <summary>True when this set names exactly <paramref name="granted"/> (in any order): the full token, nothing to narrow.</summary>
    public bool IsExactly(IReadOnlyCollection<string> granted) => IsWithin(granted) && granted.Distinct(StringComparer.Ordinal).Count() == Scopes.Count;

    public bool Equals(ScopeSet? other) => other is not null && string.Equals(Key, other.Key, StringComparison.Ordinal);

    public override bool Equals(object? obj) => Equals(obj as ScopeSet);

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Key);

    public override string ToString() => Key;
}
