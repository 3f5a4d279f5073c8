using System.Diagnostics.CodeAnalysis;

namespace Credentials.Functions;

/// <summary>
/// The one shape of an operation that can fail in an expected way: a value, or the reason there is none. Failures are
/// values, not exceptions; domain code returns reasons, and only <c>Api/</c> turns them into HTTP answers.
/// </summary>
public readonly record struct Result<TValue, TFailure>
    where TValue : notnull
    where TFailure : notnull
{
    private Result(bool succeeded, TValue? value, TFailure? failure)
    {
        Succeeded = succeeded;
        Value = value;
        Failure = failure;
    }

    [MemberNotNullWhen(true, nameof(Value))]
    [MemberNotNullWhen(false, nameof(Failure))]
    public bool Succeeded { get; }

    public TValue? Value { get; }

    public TFailure? Failure { get; }

#pragma warning disable CA2225 // The conversions are the way to build a result: `return token;` or `return failure;`.
    public static implicit operator Result<TValue, TFailure>(TValue value) => new(true, value, default);

    public static implicit operator Result<TValue, TFailure>(TFailure failure) => new(false, default, failure);
#pragma warning restore CA2225
}
