using Ax.Guard;
using static Ax.Guard.BpfRegister;
using static Interop.Bpf;
using Condition = Ax.Guard.BpfProgramBuilder.Condition;

namespace Ax.Routing.Health;

/// <summary>
/// The sock_ops program that counts, for each server, the open connections this node's apps have to it
/// and the connects to it that failed in a row (<see cref="ConnectionTracker"/> reads them). It acts only
/// on sockets the daemon put in the tracked-socket storage before connecting them; their entry is
/// {slot, state}: the server's slot in the counts array, and whether the socket is Connecting, Open or
/// Done (counted, never again).
/// <list type="bullet">
/// <item>TCP_CONNECT_CB (tcp_connect, net/ipv4/tcp_output.c, before the SYN): a tracked socket asks for
/// STATE_CB (tcp_set_state, net/ipv4/tcp.c, calls the program on each state change, old and new state in
/// args[0] and args[1], before the change). bpf_sock_ops_cb_flags_set replaces the socket's flags, so
/// the program ORs its flag into the ones the socket has (the client-IP option program does the same for
/// its own, and clears only its own: PeerAddresses/ClientIpOptionProgram.cs).</item>
/// <item>ACTIVE_ESTABLISHED_CB (tcp_finish_connect via tcp_init_transfer, net/ipv4/tcp_input.c): a
/// Connecting socket becomes Open; its server's open count goes up by one and its failure run ends.</item>
/// <item>STATE_CB from an Open socket: it left ESTABLISHED (FIN_WAIT1 when its app closes it, CLOSE_WAIT
/// when the server does, CLOSE on a reset): Done, open count down by one. Counted when it leaves
/// ESTABLISHED rather than at CLOSE because a socket in FIN_WAIT2 or TIME_WAIT carries no more requests,
/// and the app's own close() then shows in the count before it returns (least_request sees it at once).</item>
/// <item>STATE_CB from a Connecting socket to CLOSE from SYN_SENT: the connect failed (refused: tcp_reset;
/// timed out: tcp_write_err; both tcp_done, net/ipv4/tcp_input.c and tcp_timer.c); Done, failure run up by
/// one. The app closing the socket before its non-blocking connect finished goes the same way
/// (tcp_close_state, net/ipv4/tcp.c) and counts as a failure too: the app gave up waiting, as a
/// connect timeout does.</item>
/// </list>
/// Counts are 32-bit atomic adds on the array value: the same server's sockets change state on several
/// CPUs at once. Only tracked sockets get STATE_CB, so other sockets of the cgroup pay one load and a few
/// compares on the ops that run for every socket anyway.
/// </summary>
internal static class ConnectionTrackerProgram
{
    /// <summary>The tracked-socket value: the server's slot (u32) and the socket's state (u32).</summary>
    internal const int SocketValueSize = 8;

    /// <summary>A counts array value: open (u32), consecutive failures (u32).</summary>
    internal const int CountsValueSize = 8;

    internal const int OffsetOpen = 0;
    internal const int OffsetFailures = 4;

    /// <summary>The tracked socket's state, the second word of its entry.</summary>
    internal const int Connecting = 0;
    internal const int Open = 1;
    internal const int Done = 2;

    // struct bpf_sock_ops, <linux/bpf.h>.
    private const short OffsetOp = 0;
    private const short OffsetOldState = 4;  // args[0] on STATE_CB
    private const short OffsetNewState = 8;  // args[1]
    private const short OffsetCallbackFlags = 84;
    private const short OffsetSk = 184;

    private const short OffsetSlot = 0;
    private const short OffsetState = 4;

    // include/net/tcp_states.h.
    private const int TcpEstablished = 1;
    private const int TcpSynSent = 2;
    private const int TcpClose = 7;

    // The array key (the slot) at r10-4.
    private const short KeyOffset = -4;

    // Registers kept across calls (Guard/BpfRegister.cs).
    private const int Ctx = 6;
    private const int Entry = 7;
    private const int Counts = 8;

    /// <summary>
    /// The program. <paramref name="socketsMapFd"/>: the tracked-socket storage ({slot, state} per
    /// socket); <paramref name="countsMapFd"/>: the counts array, one {open, failures} per slot.
    /// </summary>
    internal static BpfInsn[] Build(int socketsMapFd, int countsMapFd)
    {
        var b = new BpfProgramBuilder();
        b.MoveRegister(Ctx, R1);

        b.LoadWord(R2, Ctx, OffsetOp);
        b.JumpIf32(Condition.Equal, R2, BPF_SOCK_OPS_STATE_CB, "state");
        b.JumpIf32(Condition.Equal, R2, BPF_SOCK_OPS_TCP_CONNECT_CB, "connect");
        b.JumpIf32(Condition.Equal, R2, BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB, "established");
        b.Jump("out");

        // A tracked socket about to send its SYN asks to hear of its state changes.
        b.Label("connect");
        EntryOrOut(b, socketsMapFd);
        b.LoadWord(R2, Ctx, OffsetCallbackFlags);
        b.OrImmediate(R2, BPF_SOCK_OPS_STATE_CB_FLAG);
        b.MoveRegister(R1, Ctx);
        b.Call(BPF_FUNC_sock_ops_cb_flags_set);
        b.Jump("out");

        // The SYN-ACK came: one more open connection, and the server's failure run is over.
        b.Label("established");
        EntryOrOut(b, socketsMapFd);
        b.LoadWord(R2, Entry, OffsetState);
        b.JumpIf32(Condition.NotEqual, R2, Connecting, "out");
        b.StoreWordImmediate(Entry, OffsetState, Open);
        CountsOrOut(b, countsMapFd);
        b.MoveImmediate(R1, 1);
        b.AtomicAdd32(Counts, OffsetOpen, R1);
        b.StoreWordImmediate(Counts, OffsetFailures, 0);
        b.Jump("out");

        b.Label("state");
        EntryOrOut(b, socketsMapFd);
        b.LoadWord(R2, Entry, OffsetState);
        b.JumpIf32(Condition.Equal, R2, Open, "closing");
        b.JumpIf32(Condition.NotEqual, R2, Connecting, "out");

        // A connecting socket closed from SYN_SENT: refused, reset, timed out or given up.
        b.LoadWord(R2, Ctx, OffsetNewState);
        b.JumpIf32(Condition.NotEqual, R2, TcpClose, "out");
        b.LoadWord(R2, Ctx, OffsetOldState);
        b.JumpIf32(Condition.NotEqual, R2, TcpSynSent, "out");
        b.StoreWordImmediate(Entry, OffsetState, Done);
        CountsOrOut(b, countsMapFd);
        b.MoveImmediate(R1, 1);
        b.AtomicAdd32(Counts, OffsetFailures, R1);
        b.Jump("out");

        // An open socket leaving ESTABLISHED: one connection fewer, counted once.
        b.Label("closing");
        b.LoadWord(R2, Ctx, OffsetNewState);
        b.JumpIf32(Condition.Equal, R2, TcpEstablished, "out");
        b.StoreWordImmediate(Entry, OffsetState, Done);
        CountsOrOut(b, countsMapFd);
        b.MoveImmediate(R1, -1);
        b.AtomicAdd32(Counts, OffsetOpen, R1);

        // A sock_ops program returns 1; its reply, left 0, changes nothing (tcp_call_bpf, include/net/tcp.h).
        b.Label("out");
        b.MoveImmediate(R0, 1);
        b.Exit();
        return b.Build();
    }

    /// <summary>Entry = the socket's tracked-socket value; "out" when the op has no full socket or the socket is not tracked.</summary>
    private static void EntryOrOut(BpfProgramBuilder b, int mapFd)
    {
        b.LoadDoubleWord(R2, Ctx, OffsetSk);
        b.JumpIf(Condition.Equal, R2, 0, "out");
        b.SocketStorageGet(mapFd, R2);
        b.JumpIf(Condition.Equal, R0, 0, "out");
        b.MoveRegister(Entry, R0);
    }

    /// <summary>Counts = the counts of the entry's slot; "out" when the slot is outside the array (bpf_map_lookup_elem checks).</summary>
    private static void CountsOrOut(BpfProgramBuilder b, int mapFd)
    {
        b.LoadWord(R2, Entry, OffsetSlot);
        b.StoreWord(Frame, KeyOffset, R2);
        b.LoadMap(R1, mapFd);
        b.MoveRegister(R2, Frame);
        b.AddImmediate(R2, KeyOffset);
        b.Call(BPF_FUNC_map_lookup_elem);
        b.JumpIf(Condition.Equal, R0, 0, "out");
        b.MoveRegister(Counts, R0);
    }
}
