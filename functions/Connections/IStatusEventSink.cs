namespace Credentials.Functions.Connections;

/// <summary>
/// Where <see cref="ConnectionStore"/> hands a status event once its write and outbox row are stored. Events implements
/// it (the dispatcher sends to the queue), so the store depends on this seam, not on the Events module.
/// </summary>
public interface IStatusEventSink
{
    /// <summary>Takes an event whose outbox row was just stored; never waits or throws (the outbox row is the backstop).</summary>
    void Dispatch(ConnectionStatusEvent statusEvent);
}
