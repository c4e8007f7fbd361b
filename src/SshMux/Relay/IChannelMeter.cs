namespace SshMux.Relay;

/// <summary>Counts a relayed channel's bytes for the pool's status and idle timer.</summary>
internal interface IChannelMeter
{
    /// <summary>Bytes that came from the upstream and went to the client.</summary>
    void Down(int bytes);

    /// <summary>Bytes that came from the client and went upstream.</summary>
    void Up(int bytes);
}
