package io.github.kdedup.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("the test proxy")
class TcpProxyTest {

    private static final URI REDIS = URI.create(TestServices.redisUri());

    @Test
    @DisplayName("forwards, goes silent in a black hole, cuts, and forwards again after restore")
    void shouldForwardBlackHoleCutAndRestore() throws IOException {
        try (TcpProxy proxy = TcpProxy.start(REDIS.getHost(), REDIS.getPort())) {
            try (Socket socket = connect(proxy)) {
                assertThat(ping(socket)).isEqualTo("+PONG");
                proxy.blackHole();
                assertThatThrownBy(() -> ping(socket)).isInstanceOf(SocketTimeoutException.class);
            }
            try (Socket socket = connect(proxy)) {
                assertThatThrownBy(() -> ping(socket)).isInstanceOf(SocketTimeoutException.class);
                proxy.restore();
            }
            try (Socket socket = connect(proxy)) {
                assertThat(ping(socket)).isEqualTo("+PONG");
                proxy.cut();
                assertThatThrownBy(() -> ping(socket)).isInstanceOf(IOException.class);
            }
            proxy.restore();
            try (Socket socket = connect(proxy)) {
                assertThat(ping(socket)).isEqualTo("+PONG");
            }
        }
    }

    private static Socket connect(TcpProxy proxy) throws IOException {
        Socket socket = new Socket("127.0.0.1", proxy.port());
        socket.setSoTimeout(500);
        return socket;
    }

    /** Sends a RESP PING and reads one line; throws when the connection ended or stayed silent. */
    private static String ping(Socket socket) throws IOException {
        socket.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        InputStream in = socket.getInputStream();
        StringBuilder line = new StringBuilder();
        int c;
        while ((c = in.read()) != '\n') {
            if (c < 0) {
                throw new IOException("the connection ended");
            }
            if (c != '\r') {
                line.append((char) c);
            }
        }
        return line.toString();
    }
}
