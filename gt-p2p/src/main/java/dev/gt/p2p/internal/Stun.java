package dev.gt.p2p.internal;

/**
 * STUN and TURN wire constants (RFC 5389, RFC 5766, RFC 6156, RFC 3489) and the bit layout of the
 * message type.
 */
public final class Stun {
    private Stun() {
    }

    public static final int HEADER = 20;
    public static final int MAGIC_COOKIE = 0x2112A442;
    /** XORed into the CRC-32 of FINGERPRINT ("STUN"). */
    public static final int FINGERPRINT_XOR = 0x5354554E;

    // Methods
    public static final int BINDING = 0x001;
    public static final int ALLOCATE = 0x003;
    public static final int REFRESH = 0x004;
    public static final int SEND = 0x006;
    public static final int DATA = 0x007;
    public static final int CREATE_PERMISSION = 0x008;
    public static final int CHANNEL_BIND = 0x009;

    // Classes
    public static final int REQUEST = 0;
    public static final int INDICATION = 1;
    public static final int SUCCESS = 2;
    public static final int ERROR = 3;

    // Attributes
    public static final int MAPPED_ADDRESS = 0x0001;
    public static final int RESPONSE_ADDRESS = 0x0002;
    public static final int CHANGE_REQUEST = 0x0003;
    public static final int USERNAME = 0x0006;
    public static final int MESSAGE_INTEGRITY = 0x0008;
    public static final int ERROR_CODE = 0x0009;
    public static final int UNKNOWN_ATTRIBUTES = 0x000A;
    public static final int CHANNEL_NUMBER = 0x000C;
    public static final int LIFETIME = 0x000D;
    public static final int XOR_PEER_ADDRESS = 0x0012;
    public static final int DATA_ATTR = 0x0013;
    public static final int REALM = 0x0014;
    public static final int NONCE = 0x0015;
    public static final int XOR_RELAYED_ADDRESS = 0x0016;
    public static final int REQUESTED_ADDRESS_FAMILY = 0x0017;
    public static final int EVEN_PORT = 0x0018;
    public static final int REQUESTED_TRANSPORT = 0x0019;
    public static final int DONT_FRAGMENT = 0x001A;
    public static final int XOR_MAPPED_ADDRESS = 0x0020;
    public static final int RESERVATION_TOKEN = 0x0022;
    public static final int PRIORITY = 0x0024;
    public static final int USE_CANDIDATE = 0x0025;
    public static final int SOFTWARE = 0x8022;
    public static final int FINGERPRINT = 0x8028;

    // Error codes
    public static final int BAD_REQUEST = 400;
    public static final int UNAUTHORIZED = 401;
    public static final int FORBIDDEN = 403;
    public static final int UNKNOWN_ATTRIBUTE = 420;
    public static final int ALLOCATION_MISMATCH = 437;
    public static final int STALE_NONCE = 438;
    public static final int ADDRESS_FAMILY_NOT_SUPPORTED = 440;
    public static final int WRONG_CREDENTIALS = 441;
    public static final int UNSUPPORTED_TRANSPORT = 442;
    public static final int PEER_ADDRESS_FAMILY_MISMATCH = 443;
    public static final int ALLOCATION_QUOTA_REACHED = 486;
    public static final int SERVER_ERROR = 500;
    public static final int INSUFFICIENT_CAPACITY = 508;

    public static final int FAMILY_IPV4 = 0x01;
    public static final int FAMILY_IPV6 = 0x02;
    public static final int TRANSPORT_UDP = 17;

    /** Lowest and highest channel number a client may bind (RFC 5766 §11). */
    public static final int MIN_CHANNEL = 0x4000;
    public static final int MAX_CHANNEL = 0x7FFE;

    /** The message type of a method and class. */
    public static int type(int method, int cls) {
        return (method & 0x000F) | ((method & 0x0070) << 1) | ((method & 0x0F80) << 2)
                | ((cls & 1) << 4) | ((cls & 2) << 7);
    }

    /** The method of a message type. */
    public static int method(int type) {
        return (type & 0x000F) | ((type & 0x00E0) >> 1) | ((type & 0x3E00) >> 2);
    }

    /** The class of a message type: {@link #REQUEST}, {@link #INDICATION}, {@link #SUCCESS}, {@link #ERROR}. */
    public static int cls(int type) {
        return ((type >> 4) & 1) | ((type >> 7) & 2);
    }

    /** A comprehension-required attribute type (0x0000-0x7FFF) must be understood or refused. */
    public static boolean comprehensionRequired(int attributeType) {
        return attributeType < 0x8000;
    }

    /** The reason phrase sent with an error code. */
    public static String reason(int code) {
        switch (code) {
            case BAD_REQUEST: return "Bad Request";
            case UNAUTHORIZED: return "Unauthorized";
            case FORBIDDEN: return "Forbidden";
            case UNKNOWN_ATTRIBUTE: return "Unknown Attribute";
            case ALLOCATION_MISMATCH: return "Allocation Mismatch";
            case STALE_NONCE: return "Stale Nonce";
            case ADDRESS_FAMILY_NOT_SUPPORTED: return "Address Family not Supported";
            case WRONG_CREDENTIALS: return "Wrong Credentials";
            case UNSUPPORTED_TRANSPORT: return "Unsupported Transport Protocol";
            case PEER_ADDRESS_FAMILY_MISMATCH: return "Peer Address Family Mismatch";
            case ALLOCATION_QUOTA_REACHED: return "Allocation Quota Reached";
            case INSUFFICIENT_CAPACITY: return "Insufficient Capacity";
            default: return "Server Error";
        }
    }
}
