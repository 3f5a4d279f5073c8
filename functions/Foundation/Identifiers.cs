using System.Buffers;

namespace Credentials.Functions.Foundation;

/// <summary>
/// The one rule for user and connection ids (docs/storage.md): 1 to 128 characters of <c>[A-Za-z0-9-_.+=~|@]</c> — an
/// Authress resource-URI segment. Such an id is used unchanged as a Table key and as a URI segment; anything else
/// (<c>/ \ # ?</c>, <c>%</c>, spaces, control characters, over-long ids) is rejected before it reaches storage.
/// </summary>
internal static class Identifiers
{
    public const int MaxLength = 128;
    private static readonly SearchValues<char> Allowed =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.+=~|@");

    public static bool IsValid(string? id) =>
        id is { Length: > 0 and <= MaxLength } && !id.AsSpan().ContainsAnyExcept(Allowed) && id is not "." and not "..";

    public static string Require(string? id, string paramName) =>
        IsValid(id)
            ? id!
            : throw new ArgumentException($"'{paramName}' must be 1-{MaxLength} characters of A-Z a-z 0-9 - _ . + = ~ | @.", paramName);
}
