# package.cmake - what "cmake --install" puts where, and the .deb (and .rpm,
# where rpmbuild exists) that "cpack" makes of it.  Included at the end of
# CMakeLists.txt.
#
#   cmake -S . -B build -DCMAKE_BUILD_TYPE=Release && cmake --build build
#   (cd build && cpack -G DEB)        # build/cwmfs_0.1.0_amd64.deb

include(GNUInstallDirs)
set(CWMFS_DOC_DIR ${CMAKE_INSTALL_DATADIR}/doc/cwmfs)

install(TARGETS cwmfs RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES packaging/cwmfs.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES packaging/config.example packaging/fstab.example README.md
        DESTINATION ${CWMFS_DOC_DIR})
install(FILES LICENSE DESTINATION ${CWMFS_DOC_DIR} RENAME copyright)
install(FILES packaging/cwmfs.bash-completion
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
        RENAME cwmfs)

# The systemd unit runs the binary where this install puts it; the unit in
# the source tree names /usr/local/bin (a plain "cmake --install").  The
# prefix is only known at install time (cpack installs under /usr).
install(CODE "
  file(READ \"${CMAKE_SOURCE_DIR}/packaging/cwmfs@.service\" unit)
  string(REPLACE \"/usr/local/bin/cwmfs\"
         \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}/cwmfs\" unit \"\${unit}\")
  file(WRITE \"${CMAKE_BINARY_DIR}/packaging/cwmfs@.service\" \"\${unit}\")
")
set(CWMFS_SYSTEMD_UNIT_DIR /lib/systemd/system CACHE PATH
    "where the systemd unit cwmfs@.service is installed (Debian 12's place)")
install(FILES ${CMAKE_BINARY_DIR}/packaging/cwmfs@.service
        DESTINATION ${CWMFS_SYSTEMD_UNIT_DIR})

set(CPACK_PACKAGE_NAME cwmfs)
set(CPACK_PACKAGE_VENDOR "cwmfs")
set(CPACK_PACKAGE_CONTACT "cwmfs maintainers <cwmfs@example.org>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "FUSE filesystem for the ConnectWise Manage System API")
set(CPACK_PACKAGE_DESCRIPTION
    "cwmfs mounts the ConnectWise Manage (PSA) REST API's System module as a \
directory of JSON files: ls the org, cat a member, grep -r across \
everything, fix a title in an editor. Responses are cached for a TTL; a \
save sends one PATCH holding only the fields changed.")
set(CPACK_PACKAGE_HOMEPAGE_URL "https://github.com/cwmfs/cwmfs")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)

set(CPACK_GENERATOR DEB)
find_program(CWMFS_RPMBUILD rpmbuild)
if(CWMFS_RPMBUILD)
  list(APPEND CPACK_GENERATOR RPM)
endif()

# Debian: cwmfs_0.1.0_amd64.deb
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SUGGESTS bash-completion)
# The libraries' versions from dpkg-shlibdeps (package dpkg-dev) where it is
# installed, else by name; fuse3 (mount.fuse3, fusermount3) either way.
find_program(CWMFS_DPKG_SHLIBDEPS dpkg-shlibdeps)
if(CWMFS_DPKG_SHLIBDEPS)
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
  set(CPACK_DEBIAN_PACKAGE_DEPENDS "fuse3")
else()
  set(CPACK_DEBIAN_PACKAGE_DEPENDS
      "fuse3, libfuse3-3 (>= 3.14), libcurl4 (>= 7.88), libcjson1 (>= 1.7.15), libc6")
endif()

# RPM: the same package, named the Fedora way
set(CPACK_RPM_FILE_NAME RPM-DEFAULT)
set(CPACK_RPM_PACKAGE_LICENSE MIT)
set(CPACK_RPM_PACKAGE_GROUP "Applications/System")
set(CPACK_RPM_PACKAGE_REQUIRES "fuse3")
set(CPACK_RPM_PACKAGE_URL ${CPACK_PACKAGE_HOMEPAGE_URL})

include(CPack)
