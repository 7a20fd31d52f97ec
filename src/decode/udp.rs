//! UDP: an 8-byte header (ports, length, checksum) read through etherparse's `UdpHeaderSlice`.

use super::error::{cold_error, Bytes, DecodeError, FrameEndsInto, Layer};
use super::packet::{IpVersion, UdpDatagram, UDP_HEADER_LEN};
use etherparse::UdpHeaderSlice;

const HEADER_LEN: usize = UDP_HEADER_LEN as usize;
/// Bytes 4 and 5 hold the length field.
const LENGTH_AT: usize = 4;

/// Decodes the UDP datagram starting at frame offset `offset`.
///
/// `bytes` are the captured datagram bytes (never beyond what IP declares); `declared_len` is the datagram
/// length the IP header declares.
pub fn decode_udp(
    bytes: &[u8],
    offset: usize,
    declared_len: usize,
    ip_version: IpVersion,
) -> Result<UdpDatagram<'_>, DecodeError> {
    if declared_len < HEADER_LEN {
        return Err(cold_error(|| {
            DecodeError::new(
                Layer::Udp,
                offset,
                format!(
                    "the IP header leaves only {} for the UDP datagram, but a UDP header is {HEADER_LEN} bytes long",
                    Bytes(declared_len)
                ),
            )
        }));
    }
    let header_bytes = bytes.get(..HEADER_LEN).ok_or_else(|| {
        DecodeError::new(
            Layer::Udp,
            offset,
            format!(
                "a UDP header is {HEADER_LEN} bytes long, but {}",
                FrameEndsInto(bytes.len())
            ),
        )
    })?;
    let header = UdpHeaderSlice::from_slice(header_bytes).map_err(|error| {
        DecodeError::new(
            Layer::Udp,
            offset,
            format!("the UDP header could not be read: {error}"),
        )
    })?;
    let length = header.length();
    // RFC 2675: an IPv6 jumbogram's UDP length is 0 and IP alone gives the length.
    let jumbogram = length == 0 && ip_version == IpVersion::V6;
    if usize::from(length) < HEADER_LEN && !jumbogram {
        return Err(cold_error(|| {
            DecodeError::new(
                Layer::Udp,
                offset + LENGTH_AT,
                format!(
                    "the UDP length field says the datagram is {} long, less than the {HEADER_LEN}-byte UDP \
                     header it includes",
                    Bytes(usize::from(length))
                ),
            )
        }));
    }
    // A length beyond what IP declares is bounded by IP: the datagram cannot outgrow its packet.
    let datagram_len = if jumbogram {
        declared_len
    } else {
        usize::from(length).min(declared_len)
    };
    let payload_end = datagram_len.min(bytes.len());
    Ok(UdpDatagram {
        src_port: header.source_port(),
        dst_port: header.destination_port(),
        length,
        checksum: header.checksum(),
        payload_len: u32::try_from(datagram_len.saturating_sub(HEADER_LEN)).unwrap_or(u32::MAX),
        payload: bytes.get(HEADER_LEN..payload_end).unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use etherparse::UdpHeader;

    fn datagram(length: u16, checksum: u16, payload: &[u8]) -> Vec<u8> {
        let mut bytes = UdpHeader {
            source_port: 53,
            destination_port: 33000,
            length,
            checksum,
        }
        .to_bytes()
        .to_vec();
        bytes.extend_from_slice(payload);
        bytes
    }

    #[test]
    fn fields_and_zero_checksum() {
        let bytes = datagram(13, 0, b"hello");
        let udp = decode_udp(&bytes, 34, bytes.len(), IpVersion::V4).unwrap();
        assert_eq!(udp.src_port, 53);
        assert_eq!(udp.dst_port, 33000);
        assert_eq!(udp.length, 13);
        assert_eq!(udp.checksum, 0, "IPv4 allows 0: no checksum computed");
        assert_eq!(udp.payload_len, 5);
        assert_eq!(udp.payload, b"hello");
    }

    #[test]
    fn length_field_bounds_the_payload() {
        let bytes = datagram(10, 1, b"hello");
        let udp = decode_udp(&bytes, 0, bytes.len(), IpVersion::V4).unwrap();
        assert_eq!(udp.payload_len, 2);
        assert_eq!(udp.payload, b"he");
    }

    #[test]
    fn ip_bounds_a_length_field_that_claims_too_much() {
        let bytes = datagram(500, 1, b"hello");
        let udp = decode_udp(&bytes, 0, bytes.len(), IpVersion::V4).unwrap();
        assert_eq!(udp.length, 500);
        assert_eq!(udp.payload_len, 5);
        assert_eq!(udp.payload, b"hello");
    }

    #[test]
    fn snap_length_cut_keeps_the_declared_payload_length() {
        let bytes = datagram(108, 1, &[1; 100]);
        let udp = decode_udp(&bytes[..20], 0, 108, IpVersion::V6).unwrap();
        assert_eq!(udp.payload_len, 100);
        assert_eq!(udp.payload, &[1; 12]);
    }

    #[test]
    fn ipv6_jumbogram_length_zero_takes_the_ip_length() {
        let bytes = datagram(0, 1, &[1; 10]);
        let udp = decode_udp(&bytes, 0, bytes.len(), IpVersion::V6).unwrap();
        assert_eq!(udp.payload_len, 10);
        assert_eq!(udp.payload.len(), 10);
    }

    #[test]
    fn errors() {
        let bytes = datagram(13, 0, b"hello");
        let error = decode_udp(&bytes[..4], 34, 13, IpVersion::V4).unwrap_err();
        assert_eq!((error.layer, error.offset), (Layer::Udp, 34));
        assert_eq!(
            error.message,
            "a UDP header is 8 bytes long, but the frame ends 4 bytes into it"
        );

        let error = decode_udp(&bytes[..4], 34, 4, IpVersion::V4).unwrap_err();
        assert_eq!(
            error.message,
            "the IP header leaves only 4 bytes for the UDP datagram, but a UDP header is 8 bytes long"
        );

        for length in [0u16, 5] {
            let bytes = datagram(length, 0, b"hello");
            let error = decode_udp(&bytes, 34, bytes.len(), IpVersion::V4).unwrap_err();
            assert_eq!((error.layer, error.offset), (Layer::Udp, 38));
            assert!(
                error.message.starts_with(&format!(
                    "the UDP length field says the datagram is {length} bytes long"
                )),
                "{}",
                error.message
            );
        }
    }
}
