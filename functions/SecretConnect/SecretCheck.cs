using System.Collections.Concurrent;

namespace Credentials.Functions.SecretConnect;

/// <summary>What the maintenance walk's check of one stored secret came to (<see cref="SecretValidator"/>).</summary>
public enum SecretCheck
{
    /// <summary>Nothing checked: not a secret, no probe, not due, already <c>reauthorization_required</c>, or a concurrent write won.</summary>
    NotChecked,

    /// <summary>The probe accepted the secret; when was stored.</summary>
    Valid,

    /// <summary>The probe refused it (401/403): the connection is now <c>reauthorization_required</c>.</summary>
    Rejected,

    /// <summary>The probe gave no answer (timeout, refused connection, 5xx): nothing changed.</summary>
    Unanswered,

    /// <summary>Not probed: this walk already found the provider's probe unanswered. Nothing changed.</summary>
    Deferred,
}

/// <summary>
/// The providers whose probe went unanswered in one maintenance walk (a whole-table run or one work item). Their other
/// secrets wait for the next walk, so an outage costs a walk about one probe timeout, not one per connection.
/// </summary>
public sealed class UnansweredProbes
{
    private readonly ConcurrentDictionary<string, bool> _providers = new(StringComparer.Ordinal);

    public bool Contains(string providerId) => _providers.ContainsKey(providerId);

    public void Add(string providerId) => _providers.TryAdd(providerId, true);
}
