namespace LatentSharp;

/// <summary>
/// A problem with the user's request or data that the library can describe in one line (a bad size,
/// an unknown scheduler, an unreadable image). The CLI and server show the message as it is.
/// </summary>
public class LatentSharpException(string message) : Exception(message);
