namespace Credentials.Tests.Refresh.Simulation;

internal enum SimAnswerKind
{
    Granted,
    InvalidGrant,
    Unavailable,

    /// <summary>No answer within the client's deadline: the request may or may not have rotated the token.</summary>
    TimedOut,
}

internal sealed record SimAnswer(SimAnswerKind Kind, string? RefreshToken = null, string? AccessToken = null, DateTimeOffset? ExpiresAt = null,
    TimeSpan? RetryAfter = null);

internal sealed record SimProviderFaults(double Unavailable, double TooMany, double LostAnswer, TimeSpan SlowMax)
{
    public static readonly SimProviderFaults None = new(0, 0, 0, TimeSpan.FromMilliseconds(300));
}

/// <summary>
/// A strict OAuth server holding one grant: every refresh rotates the refresh token; presenting a rotated one again
/// (outside the optional reuse grace) revokes the whole grant. It checks invariant 1 where it can be seen — at the
/// moment a token is presented — and knows which access tokens are live for invariant 3. A rotated token whose
/// successor was lost for reasons no vault can avoid (its holder crashed before storing it, or the answer carrying it
/// never arrived) may be presented again without a violation: the grant is then lost, but not by the protocol.
/// </summary>
internal sealed class SimProvider(SimWorld world, SimProviderFaults faults, TimeSpan? grace, TimeSpan lifetime, TimeSpan minValidity)
{
    private readonly Dictionary<string, (DateTimeOffset RotatedAt, string Successor)> _rotated = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _accessTokens = new(StringComparer.Ordinal);
    private readonly HashSet<string> _lostSuccessors = new(StringComparer.Ordinal);
    private int _issued;
    private DateTimeOffset? _latestDeliveredExpiry;

    public string Current { get; private set; } = "R0";

    public bool Revoked { get; private set; }

    /// <summary>The grant was revoked by a reuse that the lost-successor rule excuses (not the protocol's fault).</summary>
    public bool RevokedExcusably { get; private set; }

    public int Refreshes { get; private set; }

    /// <summary>The grant as the schedule starts: R0 stored, with access token A0 valid for <paramref name="left"/>.</summary>
    public (string AccessToken, DateTimeOffset ExpiresAt) Initial(TimeSpan left)
    {
        var expires = world.Now + left;
        _accessTokens["A0"] = expires;
        _latestDeliveredExpiry = expires;
        return ("A0", expires);
    }

    /// <summary>The successor of a rotation never reached storage and never will (a crash, or a lost answer).</summary>
    public void SuccessorLost(string successor) => _lostSuccessors.Add(successor);

    /// <summary>Presents <paramref name="refreshToken"/>; <paramref name="done"/> gets the answer, or a timeout at <paramref name="deadline"/>.</summary>
    public void Refresh(string refreshToken, string presenter, DateTimeOffset deadline, Action<SimAnswer> done)
    {
        var arrives = world.Between(TimeSpan.FromMilliseconds(20), world.FaultsActive ? faults.SlowMax : TimeSpan.FromMilliseconds(300)) / 2;
        world.After(arrives, () =>
        {
            var answer = Decide(refreshToken, presenter);
            var back = world.Between(TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(150));
            var lost = world.FaultsActive && world.Chance(faults.LostAnswer);
            if (lost || world.Now + back > deadline)
            {
                if (answer.Kind == SimAnswerKind.Granted && answer.RefreshToken != refreshToken)
                {
                    SuccessorLost(answer.RefreshToken!);
                }

                world.After(deadline > world.Now ? deadline - world.Now : TimeSpan.Zero, () => done(new SimAnswer(SimAnswerKind.TimedOut)));
                return;
            }

            world.After(back, () =>
            {
                if (answer.ExpiresAt is { } expires && (_latestDeliveredExpiry is null || expires > _latestDeliveredExpiry))
                {
                    _latestDeliveredExpiry = expires;
                }

                done(answer);
            });
        });
    }

    /// <summary>Invariant 3: the access token was issued here, has not expired, and its grant was not revoked by the protocol.</summary>
    public bool IsLive(string accessToken) =>
        _accessTokens.TryGetValue(accessToken, out var expires) && world.Now < expires && (!Revoked || RevokedExcusably);

    private SimAnswer Decide(string refreshToken, string presenter)
    {
        if (world.FaultsActive && world.Chance(faults.Unavailable))
        {
            return new SimAnswer(SimAnswerKind.Unavailable);
        }

        if (world.FaultsActive && world.Chance(faults.TooMany))
        {
            return new SimAnswer(SimAnswerKind.Unavailable, RetryAfter: TimeSpan.FromSeconds(world.Random.Next(1, 4)));
        }

        if (Revoked)
        {
            return new SimAnswer(SimAnswerKind.InvalidGrant);
        }

        Refreshes++;
        if (world.FaultFree && _latestDeliveredExpiry is { } latest && latest - world.Now > minValidity)
        {
            world.Fail(5, $"{presenter} refreshed while the access token it would replace stayed valid for {(latest - world.Now).TotalSeconds:F1} s (more than the {minValidity.TotalSeconds} s asked), in a schedule without faults");
        }

        if (refreshToken == Current)
        {
            var successor = $"R{++_issued}";
            _rotated[refreshToken] = (world.Now, successor);
            Current = successor;
            return Grant(successor);
        }

        if (!_rotated.TryGetValue(refreshToken, out var rotation))
        {
            return new SimAnswer(SimAnswerKind.InvalidGrant);
        }

        if (grace is { } window && world.Now < rotation.RotatedAt + window)
        {
            return Grant(Current);
        }

        var excused = _lostSuccessors.Contains(rotation.Successor);
        if (!excused)
        {
            world.Fail(1, $"{presenter} presented refresh token {refreshToken}, rotated {(world.Now - rotation.RotatedAt).TotalSeconds:F3} s earlier into {rotation.Successor} "
                + $"(grace {(grace is { } g ? g.TotalSeconds + " s" : "none")}); the provider revoked the grant");
        }

        Revoked = true;
        RevokedExcusably = excused;
        return new SimAnswer(SimAnswerKind.InvalidGrant);
    }

    private SimAnswer Grant(string refreshToken)
    {
        var access = $"A{++_issued}";
        var expires = world.Now + lifetime;
        _accessTokens[access] = expires;
        return new SimAnswer(SimAnswerKind.Granted, refreshToken, access, expires);
    }
}
