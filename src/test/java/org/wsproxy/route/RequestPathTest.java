package org.wsproxy.route;

import java.net.URI;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * RequestPath without a network: dot segments resolved as RFC 3986 (and Jetty's canonical path) do, a path
 * above the root refused, and the decoded path encoded so that decoding it gives it back.
 */
public class RequestPathTest
{
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '>', value = {
        "/ws/../index.html  > /index.html",
        "/x/../ws/echo      > /ws/echo",
        "/a/./b             > /a/b",
        "/a/b/..            > /a/",
        "/a/b/.             > /a/b/",
        "/ws/..             > /",
        "/.                 > /",
        "/a/../             > /",
        "/a/b/../../c       > /c",
        "/a//../b           > /a/b",
        // Not dot segments: names that only contain dots.
        "/a/.../b           > /a/.../b",
        "/a/..b/.c/c.       > /a/..b/.c/c.",
        "/.well-known/x     > /.well-known/x",
        // Untouched when there is nothing to resolve.
        "/                  > /",
        "/a//b/             > /a//b/",
        "/a b/é?#;%         > /a b/é?#;%",
    })
    public void dotSegmentsAreResolved(String path, String expected)
    {
        assertEquals(expected, RequestPath.normalise(path));
    }

    @ParameterizedTest
    @ValueSource(strings = {"/..", "/../x", "/a/../..", "/a/../../b", "/./../a", "a/../b"})
    public void aPathAboveTheRootCannotBeNormalised(String path)
    {
        assertNull(RequestPath.normalise(path));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiterString = " => ", quoteCharacter = '§', value = {
        "/ws/echo                 => /ws/echo",
        "/a b                     => /a%20b",
        // Would end the path, decode again, or start a path parameter: encoded.
        "/a?b#c%d;e               => /a%3Fb%23c%25d%3Be",
        // Not allowed in a URI: encoded.
        "/a\"<>\\^`{|}[]           => /a%22%3C%3E%5C%5E%60%7B%7C%7D%5B%5D",
        // Allowed in a path segment (RFC 3986 pchar): as they are.
        "/-._~!$&'()*+,=:@        => /-._~!$&'()*+,=:@",
        "/é/€/😀                   => /%C3%A9/%E2%82%AC/%F0%9F%98%80",
        "/ab\tc                   => /ab%09c",
    })
    public void encodingKeepsThePathsMeaning(String path, String expected)
    {
        String encoded = RequestPath.encode(path);
        assertEquals(expected, encoded);
        // What the backend decodes is the path the proxy routed on.
        assertEquals(path, URI.create("http://b" + encoded).getPath());
    }
}
