namespace Credentials.Functions.OAuthConnect;

/// <summary>Who finishes a connection after the provider's callback (<c>Connect:Completion</c>).</summary>
public enum CompletionMode
{
    /// <summary>
    /// The callback only stores a pending connection; the user it is for must complete it with a one-time code, signed in
    /// as that user. Whoever consented at the provider can then only ever link their account to themselves.
    /// </summary>
    User,

    /// <summary>
    /// The callback activates the connection at once. Safe only where starting and consenting always happen in one
    /// first-party app session: otherwise a link started for one user, opened by another, links the second user's account
    /// to the first.
    /// </summary>
    Callback,
}
